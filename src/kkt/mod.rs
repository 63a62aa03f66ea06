//! The independent KKT checker (DESIGN §4). Work in progress.
