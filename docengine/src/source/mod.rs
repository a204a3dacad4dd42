//! Walking repos and reading their files. Respects `.gitignore`, skips `.git`, never follows
//! symlink loops or symlinks out of the repo, and turns unreadable, binary, non-UTF-8 and
//! oversized files into problems instead of failures.
//!
//! A facade: `walk` lists what a repo holds, `read` opens and reads one file.

mod read;
#[cfg(test)]
pub(crate) mod tests;
mod walk;

pub use read::*;
pub use walk::*;
