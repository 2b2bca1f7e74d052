"""Plain-Dutch sentences ("wat valt op", "waarom deze kleur?") and nl-BE formatting."""
