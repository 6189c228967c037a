"""The demo site a new installation can start with: its words in content.toml, written by seed."""
