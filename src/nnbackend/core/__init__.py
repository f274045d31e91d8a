"""The network math in the course's notation: activations, losses, initializers, and forward /
backward / update (:mod:`nnbackend.core.network`).

Pure functions of arrays that call only the array API standard: every library runs them as
they are. Nothing here validates user input, converts data or reads the active backend.
"""
