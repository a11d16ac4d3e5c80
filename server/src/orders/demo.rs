//! Realistic demo orders (French names, Paris addresses) for trying the app and for the
//! benchmark's 100,000-order database. Their phone numbers are in the mobile block ARCEP
//! reserves for fiction (06 39 98 xx xx, see `phone::FICTION_PREFIXES`): pressing Call on demo
//! data can never ring a stranger.

use super::ValidOrder;
use app::api::{OrderItem, OrderStatus};
use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};

const FIRST: [&str; 20] = [
    "Camille", "Louis", "Léa", "Hugo", "Chloé", "Gabriel", "Manon", "Jules", "Inès", "Lucas",
    "Sarah", "Adam", "Emma", "Nathan", "Jade", "Arthur", "Louise", "Raphaël", "Alice", "Paul",
];
const LAST: [&str; 20] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier",
];
const STREETS: [&str; 12] = [
    "rue de Rivoli",
    "boulevard Saint-Germain",
    "rue Oberkampf",
    "avenue de la République",
    "rue du Faubourg Saint-Antoine",
    "rue de la Roquette",
    "rue des Martyrs",
    "avenue Parmentier",
    "rue de Charonne",
    "boulevard Voltaire",
    "rue Mouffetard",
    "rue de Belleville",
];
const MENU: [(&str, i64); 10] = [
    ("Margherita", 1150),
    ("Regina", 1350),
    ("Quatre fromages", 1450),
    ("Calzone", 1390),
    ("Salade César", 990),
    ("Tiramisu", 550),
    ("Panna cotta", 490),
    ("Coca-Cola 33cl", 250),
    ("Eau pétillante 50cl", 220),
    ("Focaccia", 450),
];
const DRIVERS: [(&str, &str); 4] = [
    ("Karim Benali", "+33639989901"),
    ("Sophie Marchand", "+33639989902"),
    ("Yanis Haddad", "+33639989903"),
    ("Julie Perrin", "+33639989904"),
];

/// The fiction block the numbers are drawn from: `+33 6 39 98` then four digits.
const FICTION_MOBILES: &str = "+3363998";

/// `count` orders numbered from `first_number`, created over the hours before `now`.
pub fn generate(
    count: u64,
    first_number: u64,
    now: DateTime<Utc>,
    seed: u64,
) -> Vec<(ValidOrder, DateTime<Utc>)> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let created = now - Duration::minutes(i64::try_from(i).unwrap_or(i64::MAX / 120) * 7);
            (one(&mut rng, first_number + i, created), created)
        })
        .collect()
}

fn one(rng: &mut StdRng, number: u64, created: DateTime<Utc>) -> ValidOrder {
    let status = OrderStatus::ALL[rng.gen_range(0..OrderStatus::ALL.len())];
    let items: Vec<OrderItem> = (0..rng.gen_range(1..=4))
        .map(|_| {
            let (name, price) = MENU[rng.gen_range(0..MENU.len())];
            OrderItem {
                name: name.to_owned(),
                quantity: rng.gen_range(1..=3),
                unit_price_cents: price,
            }
        })
        .collect();
    let start = window_start(created.naive_utc(), rng.gen_range(1..=6));
    let driver = (matches!(status, OrderStatus::OutForDelivery | OrderStatus::Delivered))
        .then(|| DRIVERS[rng.gen_range(0..DRIVERS.len())]);
    ValidOrder {
        number: format!("D-{number}"),
        status,
        customer_name: format!(
            "{} {}",
            FIRST[rng.gen_range(0..20)],
            LAST[rng.gen_range(0..20)]
        ),
        // 06 39 98 00 00 to 06 39 98 98 99: the drivers have 99xx.
        customer_phone: format!("{FICTION_MOBILES}{:04}", rng.gen_range(0..9900)),
        delivery_address: format!(
            "{} {}, 750{:02} Paris",
            rng.gen_range(1..=180),
            STREETS[rng.gen_range(0..STREETS.len())],
            rng.gen_range(1..=20)
        ),
        window_start: Some(start),
        window_end: Some(start + Duration::minutes(30)),
        items,
        notes: if rng.gen_bool(0.2) {
            "Code porte 4821B, 3e étage".into()
        } else {
            String::new()
        },
        driver_name: driver.map(|(name, _)| name.to_owned()),
        driver_phone: driver.map(|(_, phone)| phone.to_owned()),
        // Most customers speak the business's language; a few asked for English.
        language: (number % 10 == 3).then_some(app::api::Lang::En),
    }
}

/// A half-hour slot `half_hours` after `created`, rounded to the half hour.
fn window_start(created: NaiveDateTime, half_hours: i64) -> NaiveDateTime {
    let base = created + Duration::minutes(30 * half_hours);
    let rounded = base
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(base);
    rounded - Duration::minutes(i64::from(rounded.minute() % 30))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::{is_fiction, parse_e164};

    #[test]
    fn demo_orders_are_valid_and_distinct() {
        let orders = generate(50, 1001, Utc::now(), 7);
        assert_eq!(orders.len(), 50);
        for (order, _) in &orders {
            assert_eq!(
                parse_e164(&order.customer_phone, phonenumber::country::Id::FR).as_deref(),
                Ok(order.customer_phone.as_str())
            );
            assert!(
                is_fiction(&order.customer_phone),
                "{}",
                order.customer_phone
            );
            for (_, driver) in DRIVERS {
                assert!(is_fiction(driver), "{driver}");
            }
            assert!(order.total_cents() > 0);
            assert!(order.window_end > order.window_start);
        }
        assert_eq!(orders[0].0.number, "D-1001");
        assert_eq!(orders[49].0.number, "D-1050");
    }
}
