//! Writing reports and maps.
