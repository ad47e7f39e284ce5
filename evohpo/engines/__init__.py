"""How configs become trained scores: one model at a time, or a fused group (:mod:`.fused`)."""
