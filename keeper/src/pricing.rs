//! Swan's dynamic-pricing rule.
//!
//! `price = base × (1 + 4 · (0.35·H + 0.65·C)²)`, where
//! - `H` is the 30-day usage of the resource class, in [0, 1];
//! - `C` is the current occupancy above 40 %, rescaled to [0, 1]: `max(0, (occupancy − 0.4) / 0.6)`.
//!
//! An idle market prices at `base`; a fully used one at `5 × base`. Amounts are integers in the
//! token's smallest unit; the ratios are computed in parts per million so the result is exact,
//! deterministic and identical on every machine (no floating point in money).

/// Parts per million: the fixed-point scale of ratios.
pub const PPM: u64 = 1_000_000;

/// Why a pricing input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// A ratio was above 1 (1,000,000 ppm).
    #[error("{name} must be between 0 and {PPM} ppm (0–100 %), got {value}")]
    RatioOutOfRange {
        /// Which input.
        name: &'static str,
        /// The value given.
        value: u64,
    },
    /// The result does not fit 128 bits.
    #[error("base price {0} is too large to price")]
    Overflow(u128),
}

/// The occupancy threshold below which current load does not raise the price (40 %).
const OCCUPANCY_FLOOR_PPM: u64 = 400_000;

/// `C`: occupancy above 40 %, rescaled to [0, 1] (ppm).
pub fn congestion_ppm(occupancy_ppm: u64) -> Result<u64, PricingError> {
    check("occupancy", occupancy_ppm)?;
    Ok(occupancy_ppm.saturating_sub(OCCUPANCY_FLOOR_PPM) * PPM / (PPM - OCCUPANCY_FLOOR_PPM))
}

/// The suggested price for a resource class with 30-day usage `history_ppm` (H) and current
/// occupancy `occupancy_ppm`, both in parts per million. Rounds down.
pub fn suggested_price(
    base: u128,
    history_ppm: u64,
    occupancy_ppm: u64,
) -> Result<u128, PricingError> {
    check("history", history_ppm)?;
    let c = congestion_ppm(occupancy_ppm)?;
    // x = 0.35·H + 0.65·C, in ppm
    let x = (350_000 * history_ppm + 650_000 * c) / PPM;
    // multiplier = 1 + 4·x², in ppm² (PPM² = 1e12)
    let ppm2 = u128::from(PPM) * u128::from(PPM);
    let multiplier = ppm2 + 4 * u128::from(x) * u128::from(x);
    base.checked_mul(multiplier)
        .map(|v| v / ppm2)
        .ok_or(PricingError::Overflow(base))
}

fn check(name: &'static str, value: u64) -> Result<(), PricingError> {
    if value > PPM {
        Err(PricingError::RatioOutOfRange { name, value })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u128 = 1_000_000_000_000_000_000; // one token

    #[test]
    fn idle_market_prices_at_base() {
        assert_eq!(suggested_price(BASE, 0, 0).unwrap(), BASE);
        // occupancy up to 40 % does not count
        assert_eq!(suggested_price(BASE, 0, 400_000).unwrap(), BASE);
    }

    #[test]
    fn saturated_market_prices_at_five_times_base() {
        assert_eq!(suggested_price(BASE, PPM, PPM).unwrap(), 5 * BASE);
    }

    #[test]
    fn matches_the_formula_at_a_worked_point() {
        // H = 0.5, occupancy 70 % → C = 0.5; x = 0.175 + 0.325 = 0.5; 1 + 4·0.25 = 2
        assert_eq!(suggested_price(BASE, 500_000, 700_000).unwrap(), 2 * BASE);
        // H = 1, idle → x = 0.35; 1 + 4·0.1225 = 1.49
        assert_eq!(suggested_price(100, PPM, 0).unwrap(), 149);
    }

    #[test]
    fn price_never_falls_as_load_rises() {
        let mut last = 0;
        for occ in (0..=PPM).step_by(50_000) {
            let p = suggested_price(BASE, 300_000, occ).unwrap();
            assert!(p >= last, "price fell at occupancy {occ}");
            last = p;
        }
    }

    #[test]
    fn refuses_ratios_above_one_and_overflow() {
        assert_eq!(
            suggested_price(BASE, PPM + 1, 0).unwrap_err().to_string(),
            "history must be between 0 and 1000000 ppm (0–100 %), got 1000001"
        );
        assert!(matches!(
            suggested_price(BASE, 0, 2 * PPM),
            Err(PricingError::RatioOutOfRange {
                name: "occupancy",
                ..
            })
        ));
        assert_eq!(
            suggested_price(u128::MAX, PPM, PPM),
            Err(PricingError::Overflow(u128::MAX))
        );
    }
}
