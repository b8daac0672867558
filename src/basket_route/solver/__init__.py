"""The solver stages: window problem → drops → trips (OR-Tools) → plan."""
