"""Loaders: read report files, split them into sentences, and write the raw.* tables."""
