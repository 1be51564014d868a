"""Builds the engine's inner loops in C: every index/native/NAME.c is index.native.NAME."""

from pathlib import Path

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(f"index.native.{source.stem}", [str(source)], extra_compile_args=["-O3"])
        for source in sorted(Path("index/native").glob("*.c"))
    ]
)
