//! Reading scenarios and writing reports. (Work in progress.)
