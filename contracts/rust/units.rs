//! People's units: token amounts in SWAN with their decimals, times as UTC dates, durations in
//! words. Every command prints through these (`--json` keeps the machine's units).

use alloy::primitives::U256;

/// Decimals of SWAN (and of the devnet's token).
pub const DECIMALS: u32 = 18;

/// `amount` (the token's smallest unit) in SWAN, exact, without trailing zeros:
/// `12.5 SWAN`, `0 SWAN`, `0.000000000000000001 SWAN`.
pub fn swan(amount: U256) -> String {
    format!("{} SWAN", decimal(amount))
}

/// `amount` as a decimal number of SWAN, exact, without the unit.
pub fn decimal(amount: U256) -> String {
    let unit = U256::from(10u64).pow(U256::from(DECIMALS));
    let (whole, frac) = (amount / unit, amount % unit);
    if frac.is_zero() {
        return whole.to_string();
    }
    let frac = format!("{frac:0>width$}", width = DECIMALS as usize);
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// A decimal number of SWAN (`12.5`, `0.001`, `200`) in the smallest unit; an error says what is
/// wrong with it.
pub fn parse_swan(text: &str) -> Result<U256, String> {
    let t = text.trim().trim_end_matches("SWAN").trim();
    let bad = || format!("{text:?} is not an amount of SWAN: write e.g. 200, 12.5 or 0.001");
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if frac.len() > DECIMALS as usize {
        return Err(format!(
            "{text:?} has more than {DECIMALS} decimals: SWAN has no smaller unit"
        ));
    }
    let unit = U256::from(10u64).pow(U256::from(DECIMALS));
    let whole: U256 = if whole.is_empty() {
        U256::ZERO
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: U256 = if frac.is_empty() {
        U256::ZERO
    } else {
        format!("{frac:0<width$}", width = DECIMALS as usize)
            .parse()
            .map_err(|_| bad())?
    };
    whole
        .checked_mul(unit)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| format!("{text:?} is more SWAN than exists"))
}

/// A unix time as a UTC date: `2026-12-07 13:55:12 UTC` (`never` for 0).
pub fn date(unix: u64) -> String {
    if unix == 0 {
        return "never".into();
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix);
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace('T', " ")
        .replace('Z', " UTC")
}

/// Seconds as a duration in words: `1h 30m`, `45s`.
pub fn duration(secs: u64) -> String {
    humantime::format_duration(std::time::Duration::from_secs(secs)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_and_print_exactly() {
        let unit = U256::from(10u64).pow(U256::from(18));
        assert_eq!(swan(U256::ZERO), "0 SWAN");
        assert_eq!(swan(unit * U256::from(200)), "200 SWAN");
        assert_eq!(swan(unit / U256::from(100)), "0.01 SWAN");
        assert_eq!(swan(U256::from(1)), "0.000000000000000001 SWAN");
        for text in ["200", "12.5", "0.001", ".5", "7.", "0.000000000000000001"] {
            let v = parse_swan(text).unwrap();
            assert_eq!(parse_swan(&decimal(v)).unwrap(), v, "{text}");
        }
        assert_eq!(
            parse_swan("12.5 SWAN").unwrap(),
            unit * U256::from(25) / U256::from(2)
        );
        for bad in ["", ".", "abc", "-1", "1e18", "1.2.3", "0x10"] {
            assert!(
                parse_swan(bad).unwrap_err().contains("not an amount"),
                "{bad}"
            );
        }
        assert!(
            parse_swan("0.0000000000000000001")
                .unwrap_err()
                .contains("decimals")
        );
    }

    #[test]
    fn times_read_as_dates_and_durations() {
        assert_eq!(date(1_796_587_548), "2026-12-06 20:05:48 UTC");
        assert_eq!(date(0), "never");
        assert_eq!(duration(5_400), "1h 30m");
        assert_eq!(duration(300), "5m");
    }
}
