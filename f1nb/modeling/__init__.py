"""What a Silver or Gold model is written with: `@model` (name, inputs, schema,
checks) and the checks it declares. Below the layers: `silver/` and `gold/`
import it; it imports neither them nor the engine that runs them."""

from .model import Model, model

__all__ = ["Model", "model"]
