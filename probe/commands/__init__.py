"""The commands of ``probe``, one module per family, each parsing its options and calling the
modules that do the work; :mod:`probe.cli` puts them in the ``probe`` group."""
