//! The cases on SQLite, and SQLite's own faults.

use super::Store;

super::all_cases!(Store::sqlite);
