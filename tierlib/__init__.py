"""tierlib — tier village Party organizations (村党组织分类定级) with YAML rule sets."""

__version__ = "0.1.0"
