"""Code generation for init, scaffold and import: plan/apply engine, designs, generators.

This package never imports click, rich or questionary: it returns plans and raises LiftErrors.
"""
