//! Where typed errors become diagnostics.
