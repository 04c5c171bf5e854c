//! What a course costs: a price in minor units, and the price input that may make it free.

use crate::error::ValidationErrors;
use crate::validate;
use serde::{Deserialize, Serialize};

/// Largest price, in minor units (Stripe's limit for most currencies).
pub const MAX_PRICE_MINOR_UNITS: i64 = 99_999_999;

/// A price in minor units of a currency. A free course has no price.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Minor units (cents), 1..=[`MAX_PRICE_MINOR_UNITS`].
    pub amount: i64,
    /// ISO 4217, lowercase.
    pub currency: String,
}

impl Price {
    /// Checks an input price; `amount: 0` means free (`Ok(None)`).
    pub fn from_input(amount: i64, currency: &str, errors: &mut ValidationErrors) -> Option<Price> {
        if !(0..=MAX_PRICE_MINOR_UNITS).contains(&amount) {
            errors.add(
                "price.amount",
                format!("must be 0 (free) to {MAX_PRICE_MINOR_UNITS} minor units"),
            );
        }
        errors.check("price.currency", validate::currency(currency));
        (amount > 0).then(|| Price {
            amount,
            currency: currency.to_ascii_lowercase(),
        })
    }
}

/// A price as the API takes it: `amount: 0` makes a course free.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PriceInput {
    /// Minor units; 0 means free.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
}
