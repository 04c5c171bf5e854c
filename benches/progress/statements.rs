//! Statements per call, counted from sqlx's own event for each statement it runs (target
//! `sqlx::query`; it runs `BEGIN` and `COMMIT` outside that log) while counting is on. Off, the event is
//! not even built: the layer answers "not interested" before sqlx formats anything.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

static COUNTING: AtomicBool = AtomicBool::new(false);
static STATEMENTS: AtomicU64 = AtomicU64::new(0);

const TARGET: &str = "sqlx::query";

struct StatementCounter;

impl<S: Subscriber> Layer<S> for StatementCounter {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // Asked again on every event (`sometimes`), so that turning counting on and off
        // takes effect at once.
        match metadata.target() == TARGET {
            true => Interest::sometimes(),
            false => Interest::never(),
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        COUNTING.load(Ordering::Relaxed) && metadata.target() == TARGET
    }

    fn on_event(&self, _: &Event<'_>, _: Context<'_, S>) {
        STATEMENTS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Installs the counter as the process's subscriber (once, before any statement).
pub(crate) fn install() {
    tracing_subscriber::registry().with(StatementCounter).init();
}

/// Runs `calls` and returns the statements they ran, on average per call.
pub(crate) async fn per_call<F, Fut>(calls: usize, mut call: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    STATEMENTS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    for i in 0..calls {
        call(i).await;
    }
    COUNTING.store(false, Ordering::Relaxed);
    STATEMENTS.load(Ordering::Relaxed) as f64 / calls as f64
}
