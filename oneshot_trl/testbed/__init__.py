"""The offline testbed: a column-addition task with planted habits and a tiny SFT base model (``build``)."""

from .build import TestbedRecipe, build
from .models import build_tiny_model, char_tokenizer
from .task import Habits, make_split, worked_solution

__all__ = [
    "Habits",
    "TestbedRecipe",
    "build",
    "build_tiny_model",
    "char_tokenizer",
    "make_split",
    "worked_solution",
]
