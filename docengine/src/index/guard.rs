//! Tantivy can panic on a damaged index file (a truncated or overwritten segment). These
//! helpers turn such a panic into an error, without the panic message on stderr, so a
//! damaged index is reported and rebuilt, never a crash.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Run `f`; a panic inside it becomes `Err(message)` and prints nothing. Panics elsewhere
/// (other threads, outside `f`) are reported as usual.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    r.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "internal error".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error() {
        assert_eq!(catch(|| 7), Ok(7));
        let e = catch(|| -> u8 { panic!("damaged segment") }).unwrap_err();
        assert_eq!(e, "damaged segment");
        let e = catch(|| -> u8 { panic!("{} bytes", 3) }).unwrap_err();
        assert_eq!(e, "3 bytes");
        // Nested use keeps the outer one quiet too.
        assert!(catch(|| catch(|| -> u8 { panic!("inner") }).is_err()).unwrap());
    }
}
