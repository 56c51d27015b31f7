//! The batch assignment problem and its solvers, on indices only.
//!
//! Tasks need `demand` replicas on distinct providers; a provider takes at most `capacity`
//! replicas; a task may use only its candidate providers, each at a cost. A task is placed
//! whole or not at all. Solutions are compared lexicographically: more tasks placed first, then
//! lower total cost.
//!
//! - [`greedy`]: tasks in order, each takes its cheapest candidates with capacity left — the
//!   baseline.
//! - [`cost_scaling`]: the most replicas the candidates can place (a max flow), then the cheapest
//!   way to place that many, by cost scaling (push-relabel). It stops at ε = [`tolerance`]
//!   (1/4,096 of the largest cost, at least 1), so its cost is within that much per node of
//!   the optimum of the flow problem (scores are in millionths: a negligible share).
//! - [`exact`]: successive shortest paths (min-cost max-flow with potentials): the optimum for
//!   single-replica tasks. Slow (one Dijkstra per replica); the reference the benchmark and the
//!   tests compare against.
//! - [`solve`]: cost scaling, or greedy if greedy happens to be better (possible only through the
//!   all-or-nothing rule for multi-replica tasks), so a batch decision is never worse than the
//!   greedy one.

use std::{
    cmp::{Ordering, Reverse},
    collections::{BinaryHeap, VecDeque},
};

/// A batch assignment problem. Candidates are stored per task (CSR): task `t`'s candidates are
/// `provider[start[t]..start[t + 1]]` with costs `cost[..]`, sorted by (cost, provider).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    /// Replicas each task needs (≥ 1).
    pub demand: Vec<u32>,
    /// Replicas each provider can still take.
    pub capacity: Vec<u32>,
    /// Offsets into `provider` / `cost`, one per task plus one.
    pub start: Vec<usize>,
    /// Candidate provider of each edge.
    pub provider: Vec<u32>,
    /// Cost of each edge (≥ 0).
    pub cost: Vec<i64>,
}

impl Problem {
    /// An empty problem over `providers` providers with these capacities.
    pub fn new(capacity: Vec<u32>) -> Self {
        Self {
            capacity,
            start: vec![0],
            ..Self::default()
        }
    }

    /// Add a task needing `demand` replicas; its candidates are sorted here.
    pub fn push_task(&mut self, demand: u32, mut candidates: Vec<(u32, i64)>) {
        // one edge per provider (its cheapest), then cheapest first
        if !candidates.is_sorted_by(|a, b| a.0 < b.0) {
            candidates.sort_unstable();
            candidates.dedup_by_key(|&mut (p, _)| p);
        }
        if candidates.iter().all(|&(_, c)| (0..1 << 32).contains(&c)) {
            // costs that fit 32 bits: sorted as one integer (cost, provider), a plain u64 sort
            let mut keys: Vec<u64> = candidates
                .iter()
                .map(|&(p, c)| ((c as u64) << 32) | u64::from(p))
                .collect();
            keys.sort_unstable();
            for (slot, k) in candidates.iter_mut().zip(keys) {
                *slot = ((k & u64::from(u32::MAX)) as u32, (k >> 32) as i64);
            }
        } else {
            candidates.sort_unstable_by_key(|&(p, c)| (c, p));
        }
        self.demand.push(demand.max(1));
        for (p, c) in candidates {
            self.provider.push(p);
            self.cost.push(c.max(0));
        }
        self.start.push(self.provider.len());
    }

    /// Number of tasks.
    pub fn tasks(&self) -> usize {
        self.demand.len()
    }

    /// Task `t`'s candidates: (provider, cost), cheapest first.
    pub fn candidates(&self, t: usize) -> impl Iterator<Item = (u32, i64)> + '_ {
        let r = self.start[t]..self.start[t + 1];
        self.provider[r.clone()]
            .iter()
            .copied()
            .zip(self.cost[r].iter().copied())
    }

    /// The cost of task `t` on provider `p`, if `p` is a candidate.
    pub fn cost_of(&self, t: usize, p: u32) -> Option<i64> {
        self.candidates(t).find(|&(q, _)| q == p).map(|(_, c)| c)
    }
}

/// An assignment: the providers of each task (empty: not placed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Per task, its providers (as many as its demand, or none).
    pub assigned: Vec<Vec<u32>>,
}

impl Solution {
    /// Tasks placed.
    pub fn placed(&self) -> usize {
        self.assigned.iter().filter(|a| !a.is_empty()).count()
    }

    /// Total cost (every assigned edge must be a candidate).
    pub fn cost(&self, p: &Problem) -> i64 {
        self.assigned
            .iter()
            .enumerate()
            .flat_map(|(t, a)| {
                a.iter()
                    .map(move |&q| p.cost_of(t, q).unwrap_or(i64::MAX / 4))
            })
            .sum()
    }

    /// Better-or-equal than `other`: more tasks placed, or as many at no higher cost.
    pub fn at_least_as_good(&self, other: &Solution, p: &Problem) -> bool {
        match self.placed().cmp(&other.placed()) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => self.cost(p) <= other.cost(p),
        }
    }

    /// Why this is not a valid solution of `p`, if it is not: a provider over capacity, a
    /// provider that is not a candidate, a task partly placed or placed twice on one provider.
    pub fn check(&self, p: &Problem) -> Result<(), String> {
        let mut used = vec![0u32; p.capacity.len()];
        for (t, a) in self.assigned.iter().enumerate() {
            if !a.is_empty() && a.len() != p.demand[t] as usize {
                return Err(format!("task {t}: {} of {} replicas", a.len(), p.demand[t]));
            }
            for (i, &q) in a.iter().enumerate() {
                if a[..i].contains(&q) {
                    return Err(format!("task {t}: provider {q} twice"));
                }
                if p.cost_of(t, q).is_none() {
                    return Err(format!("task {t}: provider {q} is not a candidate"));
                }
                used[q as usize] += 1;
            }
        }
        for (q, (&u, &c)) in used.iter().zip(&p.capacity).enumerate() {
            if u > c {
                return Err(format!("provider {q}: {u} replicas, capacity {c}"));
            }
        }
        Ok(())
    }
}

/// Place `tasks` (in that order) each on its cheapest candidates with capacity left in `left`,
/// whole or not at all.
fn fill(p: &Problem, tasks: impl Iterator<Item = usize>, left: &mut [u32], out: &mut Solution) {
    for t in tasks {
        let need = p.demand[t] as usize;
        let pick: Vec<u32> = p
            .candidates(t)
            .filter(|&(q, _)| left[q as usize] > 0)
            .map(|(q, _)| q)
            .take(need)
            .collect();
        if pick.len() == need {
            for &q in &pick {
                left[q as usize] -= 1;
            }
            out.assigned[t] = pick;
        }
    }
}

/// The baseline: tasks in order, each on its cheapest candidates with capacity left.
pub fn greedy(p: &Problem) -> Solution {
    let mut out = Solution {
        assigned: vec![Vec::new(); p.tasks()],
    };
    let mut left = p.capacity.clone();
    fill(p, 0..p.tasks(), &mut left, &mut out);
    out
}

/// Min-cost flow by cost scaling (Goldberg's push-relabel), in two steps. First the largest
/// number of replicas the candidate lists can place at all (a max flow, Dinic's algorithm:
/// source → task up to its demand, task → candidate provider once, provider → sink up to its
/// capacity). Then the cheapest way to place exactly that many: the source supplies them, each
/// flows to a task, to one of its candidate providers (cost: the score) and on to the sink. So
/// as many replicas as possible are placed before cost counts, and the costs the scaling works
/// through stay the scores' own range (no "waiting" arc dear enough to outweigh every score, whose
/// size would add phases). ε falls by a factor of 4 per phase down to 1 (measured best of 2, 4,
/// 8 and 32) down to [`tolerance`]: the flow is then within that much per node of the optimum
/// (ε = 1 would add about three phases for a gain of ~0.001 % of the cost). Then the
/// all-or-nothing rule, and a greedy fill of what it freed.
pub fn cost_scaling(p: &Problem) -> Solution {
    let n = p.tasks();
    let m = p.capacity.len();
    let (source, sink) = (n + m, n + m + 1);
    let mut g = Residual::with_nodes(n + m + 2);
    for t in 0..n {
        g.arc(source, t, p.demand[t] as i32, 0);
        for (q, c) in p.candidates(t) {
            g.arc(t, n + q as usize, 1, c);
        }
    }
    for (q, &c) in p.capacity.iter().enumerate() {
        g.arc(n + q, sink, c as i32, 0);
    }
    let mut g = g.build();
    let empty = g.cap.clone();
    let most = g.max_flow(source, sink);
    // the cheapest placement of `most` replicas, from no flow at all
    g.cap.copy_from_slice(&empty);
    g.excess[source] = most;
    g.excess[sink] = -most;
    let mut eps = g.cost.iter().map(|c| c.abs()).max().unwrap_or(1).max(1);
    let last = tolerance(p);
    if most > 0 {
        loop {
            eps = (eps / 4).max(last);
            g.refine(eps);
            if eps == last {
                break;
            }
        }
    }
    let mut out = Solution {
        assigned: vec![Vec::new(); n],
    };
    let mut left = p.capacity.clone();
    let mut waiting = Vec::new();
    for t in 0..n {
        let got: Vec<u32> = g
            .arcs(t)
            .filter(|&a| g.head[a] as usize >= n && (g.head[a] as usize) < n + m)
            .filter(|&a| g.cap[a] == 0 && g.cost[a] >= 0)
            .map(|a| (g.head[a] as usize - n) as u32)
            .collect();
        if got.len() == p.demand[t] as usize {
            for &q in &got {
                left[q as usize] -= 1;
            }
            out.assigned[t] = got;
        } else {
            waiting.push(t);
        }
    }
    fill(p, waiting.into_iter(), &mut left, &mut out);
    out
}

/// The ε at which [`cost_scaling`] stops: 1/4,096 of the largest cost (at least 1). An
/// ε-optimal flow costs at most ε per node more than the optimum of the flow problem, so the
/// solution is within `nodes × tolerance` of it — with scores in millionths (largest ~10⁶),
/// ~240 millionths of a score point per task and provider, while the last phases that would
/// narrow it to one unit cost almost half of the solve (measured: 143 → 104 ms for 10,000
/// tasks stopping at 1/16,384, then 107 → 96 ms at 1/4,096; the quality table's worst gap
/// +0.847 % → +0.848 %, the benchmark batch's cost unchanged).
pub fn tolerance(p: &Problem) -> i64 {
    (p.cost.iter().copied().max().unwrap_or(0) / 4_096).max(1)
}

/// A residual graph in compressed rows (arcs grouped by tail), for [`cost_scaling`].
#[derive(Debug, Default)]
struct Residual {
    arcs: Vec<(u32, u32, i32, i64)>,
    nodes: usize,
}

impl Residual {
    fn with_nodes(nodes: usize) -> Self {
        Self {
            arcs: Vec::new(),
            nodes,
        }
    }

    fn arc(&mut self, from: usize, to: usize, cap: i32, cost: i64) {
        self.arcs.push((from as u32, to as u32, cap, cost));
    }

    fn build(self) -> Flow {
        let n = self.nodes;
        let mut degree = vec![0usize; n + 1];
        // an end outside the graph panics here: the row scans read prices by head unchecked
        for &(u, v, _, _) in &self.arcs {
            degree[u as usize + 1] += 1;
            degree[v as usize + 1] += 1;
        }
        for i in 0..n {
            degree[i + 1] += degree[i];
        }
        let first = degree.clone();
        let mut next = degree;
        let total = self.arcs.len() * 2;
        let mut f = Flow {
            first,
            head: vec![0; total],
            rev: vec![0; total],
            cap: vec![0; total],
            cost: vec![0; total],
            excess: vec![0; n],
            price: vec![0; n],
        };
        for (u, v, cap, cost) in self.arcs {
            let (a, b) = (next[u as usize], next[v as usize]);
            next[u as usize] += 1;
            next[v as usize] += 1;
            f.head[a] = v;
            f.rev[a] = b as u32;
            f.cap[a] = cap;
            f.cost[a] = cost;
            f.head[b] = u;
            f.rev[b] = a as u32;
            f.cap[b] = 0;
            f.cost[b] = -cost;
        }
        f
    }
}

#[derive(Debug)]
struct Flow {
    first: Vec<usize>,
    head: Vec<u32>,
    rev: Vec<u32>,
    cap: Vec<i32>,
    cost: Vec<i64>,
    excess: Vec<i64>,
    price: Vec<i64>,
}

impl Flow {
    fn arcs(&self, u: usize) -> std::ops::Range<usize> {
        self.first[u]..self.first[u + 1]
    }

    /// The tail of arc `a` (the head of its reverse).
    fn tail(&self, a: usize) -> usize {
        self.head[self.rev[a] as usize] as usize
    }

    /// Push as much as possible from `s` to `t` (Dinic: blocking flows on BFS levels, with an
    /// explicit path instead of recursion), leaving that flow in the residual capacities.
    fn max_flow(&mut self, s: usize, t: usize) -> i64 {
        let n = self.excess.len();
        let mut level = vec![u32::MAX; n];
        let mut next = vec![0usize; n];
        let mut queue = VecDeque::new();
        let mut path: Vec<usize> = Vec::new();
        let mut total = 0i64;
        loop {
            level.fill(u32::MAX);
            level[s] = 0;
            queue.push_back(s);
            while let Some(u) = queue.pop_front() {
                for a in self.arcs(u) {
                    let v = self.head[a] as usize;
                    if self.cap[a] > 0 && level[v] == u32::MAX {
                        level[v] = level[u] + 1;
                        queue.push_back(v);
                    }
                }
            }
            if level[t] == u32::MAX {
                return total;
            }
            for (u, c) in next.iter_mut().enumerate() {
                *c = self.first[u];
            }
            let mut u = s;
            loop {
                if u == t {
                    let f = path.iter().map(|&a| self.cap[a]).min().unwrap_or(0);
                    for &a in &path {
                        self.cap[a] -= f;
                        self.cap[self.rev[a] as usize] += f;
                    }
                    total += i64::from(f);
                    path.clear();
                    u = s;
                    continue;
                }
                let end = self.first[u + 1];
                while next[u] < end {
                    let a = next[u];
                    let v = self.head[a] as usize;
                    if self.cap[a] > 0 && level[v] == level[u] + 1 {
                        break;
                    }
                    next[u] += 1;
                }
                if next[u] < end {
                    let a = next[u];
                    path.push(a);
                    u = self.head[a] as usize;
                } else {
                    // a dead end: no augmenting path through `u` in this phase
                    level[u] = u32::MAX;
                    let Some(a) = path.pop() else { break };
                    u = self.tail(a);
                    next[u] += 1;
                }
            }
        }
    }

    fn reduced(&self, u: usize, a: usize) -> i64 {
        self.cost[a] + self.price[u] - self.price[self.head[a] as usize]
    }

    fn push(&mut self, u: usize, a: usize, amount: i32) {
        let v = self.head[a] as usize;
        self.cap[a] -= amount;
        self.cap[self.rev[a] as usize] += amount;
        self.excess[u] -= i64::from(amount);
        self.excess[v] += i64::from(amount);
    }

    /// Turn an ε·8-optimal flow into an ε-optimal one: saturate every arc of negative reduced
    /// cost, then push excess along admissible arcs (negative reduced cost), relabelling a node
    /// (lowering its price) when it has none.
    fn refine(&mut self, eps: i64) {
        let n = self.excess.len();
        for u in 0..n {
            for a in self.arcs(u) {
                if self.cap[a] > 0 && self.reduced(u, a) < 0 {
                    let c = self.cap[a];
                    self.push(u, a, c);
                }
            }
        }
        let mut current: Vec<usize> = (0..n).map(|u| self.first[u]).collect();
        let mut queue: VecDeque<usize> = (0..n).filter(|&u| self.excess[u] > 0).collect();
        while let Some(u) = queue.pop_front() {
            while self.excess[u] > 0 {
                let (from, end) = (current[u], self.first[u + 1]);
                // the first admissible arc from the current one: residual, negative reduced cost
                // (over zipped slices of the row)
                let pu = self.price[u];
                let price = &self.price;
                let a = from
                    + self.cap[from..end]
                        .iter()
                        .zip(&self.cost[from..end])
                        .zip(&self.head[from..end])
                        .position(|((&cap, &cost), &v)| cap > 0 && cost + pu < price[v as usize])
                        .unwrap_or(end - from);
                if a < end {
                    current[u] = a;
                    let v = self.head[a] as usize;
                    let amount = i64::from(self.cap[a]).min(self.excess[u]) as i32;
                    let was_active = self.excess[v] > 0;
                    self.push(u, a, amount);
                    if !was_active && self.excess[v] > 0 {
                        queue.push_back(v);
                    }
                } else {
                    // relabel: the highest price that keeps every residual arc ε-optimal
                    let r = self.arcs(u);
                    let price = &self.price;
                    let best = self.cap[r.clone()]
                        .iter()
                        .zip(&self.cost[r.clone()])
                        .zip(&self.head[r])
                        .filter(|((cap, _), _)| **cap > 0)
                        .map(|((_, &cost), &v)| price[v as usize] - cost)
                        .max()
                        .unwrap_or(i64::MIN);
                    if best == i64::MIN {
                        break; // no residual arc: cannot happen (the arc it came by is one)
                    }
                    self.price[u] = best - eps;
                    current[u] = self.first[u];
                }
            }
        }
    }
}

/// The batch decision: cost scaling, or greedy where that is better (possible only through
/// the all-or-nothing rule for multi-replica tasks); then ties settled towards low indices.
pub fn solve(p: &Problem) -> Solution {
    let a = cost_scaling(p);
    let g = greedy(p);
    let mut s = if a.at_least_as_good(&g, p) { a } else { g };
    prefer_low_ties(p, &mut s);
    s
}

/// Move each replica to the lowest-indexed provider of the same cost that still has room (and
/// does not already hold the task): the cost does not change, and among equal choices the
/// decision no longer depends on the solver's path.
fn prefer_low_ties(p: &Problem, s: &mut Solution) {
    let mut left = p.capacity.clone();
    for a in &s.assigned {
        for &q in a {
            left[q as usize] -= 1;
        }
    }
    for t in 0..p.tasks() {
        for i in 0..s.assigned[t].len() {
            let q = s.assigned[t][i];
            let Some(c) = p.cost_of(t, q) else { continue };
            let better = p.candidates(t).find(|&(r, rc)| {
                rc == c && r < q && left[r as usize] > 0 && !s.assigned[t].contains(&r)
            });
            if let Some((r, _)) = better {
                left[q as usize] += 1;
                left[r as usize] -= 1;
                s.assigned[t][i] = r;
            }
        }
    }
}

/// The optimum by successive shortest paths (min-cost max-flow, Dijkstra with potentials).
/// Exact for single-replica tasks; with several replicas it may place a task partly, which
/// [`Solution::check`] reports. The reference for tests and the benchmark, not for production:
/// one Dijkstra over the whole graph per replica.
pub fn exact(p: &Problem) -> Solution {
    let n = p.tasks();
    let m = p.capacity.len();
    // nodes: source, tasks, providers, sink
    let (src, sink) = (0, n + m + 1);
    let nodes = n + m + 2;
    let mut g = Graph::new(nodes);
    for t in 0..n {
        g.edge(src, 1 + t, i64::from(p.demand[t]), 0);
        for (q, c) in p.candidates(t) {
            g.edge(1 + t, 1 + n + q as usize, 1, c);
        }
    }
    for (q, &c) in p.capacity.iter().enumerate() {
        g.edge(1 + n + q, sink, i64::from(c), 0);
    }
    g.min_cost_max_flow(src, sink);
    let mut out = Solution {
        assigned: vec![Vec::new(); n],
    };
    for (t, a) in out.assigned.iter_mut().enumerate() {
        for &e in &g.adj[1 + t] {
            let edge = &g.edges[e];
            if edge.to > n && edge.to <= n + m && edge.cap == 0 && e % 2 == 0 {
                a.push((edge.to - n - 1) as u32);
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

#[derive(Debug)]
struct Graph {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

impl Graph {
    fn new(n: usize) -> Self {
        Self {
            edges: Vec::new(),
            adj: vec![Vec::new(); n],
        }
    }

    fn edge(&mut self, a: usize, b: usize, cap: i64, cost: i64) {
        self.adj[a].push(self.edges.len());
        self.edges.push(Edge { to: b, cap, cost });
        self.adj[b].push(self.edges.len());
        self.edges.push(Edge {
            to: a,
            cap: 0,
            cost: -cost,
        });
    }

    fn min_cost_max_flow(&mut self, s: usize, t: usize) {
        let n = self.adj.len();
        let mut pot = vec![0i64; n]; // all costs ≥ 0: zero potentials are feasible
        loop {
            let mut dist = vec![i64::MAX; n];
            let mut via = vec![usize::MAX; n];
            dist[s] = 0;
            let mut heap = BinaryHeap::new();
            heap.push(Reverse((0i64, s)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                for &e in &self.adj[u] {
                    let Edge { to, cap, cost } = self.edges[e];
                    if cap == 0 {
                        continue;
                    }
                    let nd = d + cost + pot[u] - pot[to];
                    if nd < dist[to] {
                        dist[to] = nd;
                        via[to] = e;
                        heap.push(Reverse((nd, to)));
                    }
                }
            }
            if dist[t] == i64::MAX {
                return;
            }
            for v in 0..n {
                if dist[v] < i64::MAX {
                    pot[v] += dist[v];
                }
            }
            // one unit at a time: task → provider edges have capacity 1
            let mut v = t;
            while v != s {
                let e = via[v];
                self.edges[e].cap -= 1;
                self.edges[e ^ 1].cap += 1;
                v = self.edges[e ^ 1].to;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(capacity: &[u32], tasks: &[(u32, &[(u32, i64)])]) -> Problem {
        let mut p = Problem::new(capacity.to_vec());
        for &(d, c) in tasks {
            p.push_task(d, c.to_vec());
        }
        p
    }

    #[test]
    fn greedy_is_myopic_and_the_batch_solve_is_not() {
        // task 0 takes provider 0 greedily; task 1 then pays 100 on provider 1
        let p = problem(&[1, 1], &[(1, &[(0, 1), (1, 2)]), (1, &[(0, 1), (1, 100)])]);
        let g = greedy(&p);
        assert_eq!(g.assigned, [vec![0], vec![1]]);
        assert_eq!(g.cost(&p), 101);
        for s in [solve(&p), exact(&p), cost_scaling(&p)] {
            s.check(&p).unwrap();
            assert_eq!(s.assigned, [vec![1], vec![0]]);
            assert_eq!(s.cost(&p), 3);
        }
    }

    #[test]
    fn more_tasks_placed_beats_lower_cost() {
        // placing both needs task 0 on its dear provider
        let p = problem(&[1, 1], &[(1, &[(0, 1), (1, 50)]), (1, &[(0, 1)])]);
        for s in [solve(&p), exact(&p)] {
            assert_eq!(s.placed(), 2);
            assert_eq!(s.cost(&p), 51);
        }
    }

    #[test]
    fn capacity_is_respected_and_tasks_without_room_wait() {
        let p = problem(
            &[2, 0],
            &[
                (1, &[(0, 5), (1, 1)]),
                (1, &[(0, 5)]),
                (1, &[(0, 5), (1, 1)]),
                (1, &[]),
            ],
        );
        let s = solve(&p);
        s.check(&p).unwrap();
        assert_eq!(s.placed(), 2);
        assert!(s.assigned[3].is_empty(), "no candidate: waits");
    }

    #[test]
    fn replicas_go_to_distinct_providers_whole_or_not_at_all() {
        // task 0 needs 3 distinct providers but only 2 exist: it waits and frees them for task 1
        let p = problem(&[5, 5], &[(3, &[(0, 1), (1, 1)]), (2, &[(0, 2), (1, 3)])]);
        let s = solve(&p);
        s.check(&p).unwrap();
        assert!(s.assigned[0].is_empty());
        let mut a = s.assigned[1].clone();
        a.sort_unstable();
        assert_eq!(a, [0, 1]);
    }

    #[test]
    fn ties_are_broken_the_same_way_every_time() {
        let c: &[(u32, i64)] = &[(2, 7), (1, 7), (0, 7)];
        let p = problem(&[1, 1, 1], &[(1, c), (1, c)]);
        let first = solve(&p);
        for _ in 0..5 {
            assert_eq!(solve(&p), first);
        }
        // the lower provider index wins a tie
        assert_eq!(greedy(&p).assigned, [vec![0], vec![1]]);
    }

    #[test]
    fn check_finds_invalid_solutions() {
        let p = problem(&[1, 1], &[(1, &[(0, 1)]), (2, &[(0, 1), (1, 1)])]);
        let over = Solution {
            assigned: vec![vec![0], vec![0, 1]],
        };
        assert!(over.check(&p).unwrap_err().contains("capacity"));
        let partial = Solution {
            assigned: vec![vec![], vec![1]],
        };
        assert!(partial.check(&p).unwrap_err().contains("1 of 2"));
        let stranger = Solution {
            assigned: vec![vec![1], vec![]],
        };
        assert!(stranger.check(&p).unwrap_err().contains("not a candidate"));
    }
}
