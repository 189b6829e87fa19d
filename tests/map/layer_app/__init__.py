"""A stand-in for a later app (the cameras app) that brings a map layer of its own."""
