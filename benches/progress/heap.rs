//! Live heap bytes, and their peak since a reset, counted by the process's allocator: the
//! system's, wrapped. Resident memory cannot tell whether an export streams — the
//! allocator keeps freed pages, so a peak reached earlier hides any later one (the
//! collected control once showed 0 MiB) — while live bytes rise and fall with what is held.
//! Forty lines rather than a dependency for one bench (peakmem-alloc, for one, offers the
//! same resettable peak); the cost is two atomic operations per allocation, paid by every
//! workload alike.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
pub(crate) struct Counting;

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    LIVE.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is the system allocator's own, with its arguments unchanged; the
// counting around it touches no memory it hands out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `GlobalAlloc::alloc`'s caller promised.
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `GlobalAlloc::alloc_zeroed`'s caller promised.
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: as `GlobalAlloc::dealloc`'s caller promised.
        unsafe { System.dealloc(block, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `GlobalAlloc::realloc`'s caller promised.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            match new_size >= layout.size() {
                true => grew(new_size - layout.size()),
                false => shrank(layout.size() - new_size),
            }
        }
        moved
    }
}

/// Starts a new peak at what is live now; returns that, in MiB.
pub(crate) fn reset_peak() -> f64 {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    mib(live)
}

/// The most bytes live at once since [`reset_peak`], in MiB.
pub(crate) fn peak_mib() -> f64 {
    mib(PEAK.load(Ordering::Relaxed))
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
