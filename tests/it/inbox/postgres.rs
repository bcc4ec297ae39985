//! The cases on PostgreSQL, and PostgreSQL's own faults.

use super::Store;

super::all_cases!(Store::postgres);
