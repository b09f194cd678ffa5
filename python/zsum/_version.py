"""The package version; it must equal the library's zs_version() (checked on import)."""
__version__ = "0.2.0"
