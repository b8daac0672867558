"""Readers and writers at the edges: scenario folders, plan JSON, courier sheets."""
