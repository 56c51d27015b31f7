//! The market's money rules as the contracts apply them (`contracts/src/libraries/Payments.sol`
//! and `MarketBase`): the one Rust copy that the keeper, the indexer and the tools call.
//! `contracts/tests/money.rs` runs random tasks on anvil and checks every figure here against
//! the deployed contract, to the wei.

use alloy::primitives::U256;

/// Basis points in a whole.
pub const BPS: u64 = 10_000;

/// A payment split into the provider's payout and the protocol fee (`Payments.feeSplit`): the
/// fee is rounded down, the provider keeps the dust; `payout + fee == amount`.
pub fn fee_split(amount: U256, fee_bps: u16) -> (U256, U256) {
    let fee = amount * U256::from(fee_bps) / U256::from(BPS);
    (amount - fee, fee)
}

/// A slashed collateral split into the expiry caller's bounty and the treasury's rest
/// (`Payments.slashSplit`); no bounty when nobody earns one (a keeper's verdict, or the
/// submitter expiring its own task). `bounty + to_treasury == c`.
pub fn slash_split(c: U256, bounty_bps: u16, with_bounty: bool) -> (U256, U256) {
    let bounty = if with_bounty {
        c * U256::from(bounty_bps) / U256::from(BPS)
    } else {
        U256::ZERO
    };
    (bounty, c - bounty)
}

/// What a replica at agreed `price` is worth: the price (batch), or the rate × the ordered
/// duration in seconds (service).
pub fn replica_value(service: bool, price: U256, duration_secs: u64) -> U256 {
    if service {
        price * U256::from(duration_secs)
    } else {
        price
    }
}

/// The collateral a replica worth `value` locks at `pct` % (`Payments.collateral`, rounded
/// down).
pub fn collateral(value: U256, pct: u16) -> U256 {
    value * U256::from(pct) / U256::from(100u8)
}

/// [`collateral`] in 128 bits, for the allocator's inner loop: exact wherever the result fits,
/// saturating at `u128::MAX` past it (a replica that large is refused anyway).
pub fn collateral_u128(value: u128, pct: u16) -> u128 {
    match u64::try_from(value) {
        // the common case, without 128-bit division
        Ok(v) if v <= u64::MAX / 65_536 => u128::from(v * u64::from(pct) / 100),
        _ => match value.checked_mul(u128::from(pct)) {
            Some(x) => x / 100,
            None => u128::try_from(collateral(U256::from(value), pct)).unwrap_or(u128::MAX),
        },
    }
}

/// What a stream at `rate` per second owes between `from` and `until` (`Payments.prorate`):
/// zero if `until <= from`.
pub fn prorate(rate: U256, from: u64, until: u64) -> U256 {
    if until > from {
        rate * U256::from(until - from)
    } else {
        U256::ZERO
    }
}

/// A provider's reputation in millionths: completed replicas over all finished ones with a
/// Laplace prior, `(completed + 1) / (completed + failed + 2)`, so a new provider starts at one
/// half. Integer arithmetic, so every keeper and the explorer get the same number.
pub fn reputation_ppm(completed: u64, failed: u64) -> u32 {
    let (c, f) = (u128::from(completed), u128::from(failed));
    ((c + 1) * 1_000_000 / (c + f + 2)) as u32 // ≤ 1,000,000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_add_up_and_round_as_the_contract_does() {
        let (payout, fee) = fee_split(U256::from(19_999u64), 500);
        assert_eq!((payout, fee), (U256::from(19_000u64), U256::from(999u64)));
        let (bounty, rest) = slash_split(U256::from(1_999u64), 500, true);
        assert_eq!((bounty, rest), (U256::from(99u64), U256::from(1_900u64)));
        assert_eq!(slash_split(U256::from(7u64), 500, false).0, U256::ZERO);
        assert_eq!(collateral(U256::from(199u64), 150), U256::from(298u64));
        assert_eq!(prorate(U256::from(3u64), 10, 5), U256::ZERO);
        assert_eq!(prorate(U256::from(3u64), 5, 10), U256::from(15u64));
        assert_eq!(
            replica_value(true, U256::from(2u64), 60),
            U256::from(120u64)
        );
    }

    #[test]
    fn the_128_bit_collateral_equals_the_exact_one_or_saturates() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let value = u128::from(x) << (x % 70);
            let pct = (x % 65_536) as u16;
            let exact = collateral(U256::from(value), pct);
            let fast = collateral_u128(value, pct);
            match u128::try_from(exact) {
                Ok(e) => assert_eq!(fast, e, "{value} at {pct} %"),
                Err(_) => assert_eq!(fast, u128::MAX),
            }
        }
        assert_eq!(collateral_u128(u128::MAX, 1_000), u128::MAX);
    }

    #[test]
    fn reputation_starts_at_one_half_and_stays_in_range() {
        assert_eq!(reputation_ppm(0, 0), 500_000);
        assert_eq!(reputation_ppm(1, 0), 666_666);
        assert_eq!(reputation_ppm(0, 1), 333_333);
        assert!(reputation_ppm(u64::MAX, 0) <= 1_000_000);
        assert_eq!(reputation_ppm(0, u64::MAX), 0);
    }
}
