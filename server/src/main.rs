#![recursion_limit = "256"]
//! The `orderline` binary: `orderline` (or `orderline serve`) runs the server;
//! `orderline demo-data` loads 50 demo orders; `orderline seed-bench N` loads N orders for the
//! benchmark; `orderline replay DIRECTION` runs the bridge's transcoder over JSON lines (stdin to
//! stdout, for the transcode benchmarks; it needs no configuration). Configuration comes from the
//! environment (see the README).

use anyhow::Context;
use app::ports::OrdersPort;
use server::config::Config;
use server::startup::Application;
use server::{db, orders};

const USAGE: &str =
    "usage: orderline [serve | demo-data | seed-bench COUNT | seed-bench-calls COUNT | replay ...]";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `replay` needs no runtime: it starts none (the transcode benchmark times whole processes).
    if let Some(("replay", rest)) = args.split_first().map(|(a, r)| (a.as_str(), r)) {
        return replay(rest);
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

/// Everything but `replay`, on the tokio runtime.
async fn run(args: Vec<String>) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let config = Config::from_env().context("configuration")?;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["serve"] => serve(config).await,
        ["demo-data"] => {
            let db = db::connect_and_migrate(&config.database_url).await?;
            let service = orders::OrdersService {
                db,
                region: config.default_region,
            };
            let count = service
                .load_demo_data()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("loaded {count} demo orders");
            Ok(())
        }
        ["seed-bench", count] => {
            let count: u64 = count.parse().context("COUNT must be a number")?;
            let db = db::connect_and_migrate(&config.database_url).await?;
            seed(&db, count).await?;
            println!("inserted {count} orders");
            Ok(())
        }
        ["seed-bench-calls", count] => {
            let count: u64 = count.parse().context("COUNT must be a number")?;
            let db = db::connect_and_migrate(&config.database_url).await?;
            seed_calls(&db, count).await?;
            println!(
                "inserted {count} calls (CallSid CA + 32 hex digits of the call number) on order 1"
            );
            Ok(())
        }
        _ => anyhow::bail!("{USAGE}"),
    }
}

/// `orderline replay`: stdin to stdout through one transcoder; logs (skipped lines) on stderr.
fn replay(args: &[String]) -> anyhow::Result<()> {
    use server::bridge::{replay, Transcoder};
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let (direction, audio, stream_sid) =
        replay::parse_args(args).map_err(|e| anyhow::anyhow!("{e}\nusage: {}", replay::USAGE))?;
    let mut transcoder = Transcoder::new(direction, audio, &stream_sid)?;
    replay::run_stdin(&mut transcoder)?;
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let public = config.public_base_url.clone();
    let app = Application::build(config).await?;
    println!(
        "Orderline is running at {public} (listening on port {})",
        app.port
    );
    if app.demo_orders_loaded > 0 {
        println!("Loaded {} demo orders.", app.demo_orders_loaded);
    }
    if app.settings.current().sandbox().is_some() {
        let base = public.as_str().trim_end_matches('/');
        println!(
            "Sandbox: no Twilio account is configured, so calls and texts go to the built-in sandbox.\n  \
             Softphone (answer calls, read and send texts): {base}/sandbox/phone"
        );
    }
    // With no users, `bootstrap` already printed the setup link to stderr.
    if app.setup_link.is_none() {
        println!(
            "Sign in with your account (ADMIN_EMAIL / ADMIN_PASSWORD create an admin at start)."
        );
    }
    app.run_until_stopped().await?;
    Ok(())
}

/// Inserts `count` generated orders in batches of 1,000 (numbers B-1 upwards).
async fn seed(db: &sea_orm::DatabaseConnection, count: u64) -> anyhow::Result<()> {
    use sea_orm::TransactionTrait;
    let now = chrono::Utc::now();
    let mut done = 0;
    while done < count {
        let size = (count - done).min(1000);
        let mut batch = orders::demo::generate(
            size,
            done + 1,
            now - chrono::Duration::minutes(7 * done as i64),
            done,
        );
        for (order, _) in &mut batch {
            order.number = order.number.replacen("D-", "B-", 1);
        }
        let txn = db.begin().await?;
        for chunk in batch.chunks(100) {
            server::db::repo::orders::insert_demo(&txn, chunk).await?;
        }
        txn.commit().await?;
        done += size;
    }
    Ok(())
}

/// Inserts `count` queued calls on the first order, with SIDs `CA{n:032x}` (for the callback benchmark).
async fn seed_calls(db: &sea_orm::DatabaseConnection, count: u64) -> anyhow::Result<()> {
    use sea_orm::{EntityTrait, Set};
    use server::db::entities::calls;
    let now = chrono::Utc::now();
    let mut n = 0;
    while n < count {
        let batch: Vec<calls::ActiveModel> = (n..(n + 500).min(count))
            .map(|i| calls::ActiveModel {
                order_id: Set(1),
                placed_by: Set(None),
                placed_by_name: Set("bench".into()),
                recipient: Set("customer".into()),
                to_number: Set("+33612345678".into()),
                provider: Set("openai".into()),
                purpose: Set(String::new()),
                status: Set("queued".into()),
                call_sid: Set(Some(format!("CA{:032x}", i + 1))),
                last_sequence: Set(-1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect();
        n += batch.len() as u64;
        calls::Entity::insert_many(batch).exec(db).await?;
    }
    Ok(())
}
