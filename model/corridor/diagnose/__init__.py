"""What a formulation means in the user's terms: `trace` (model rows -> the input cells behind them),
`explain` (why no plan exists), `numerics` (coefficient spans and big-Ms worth a warning)."""
