"""The stages of a build, one module each, run in this order by :func:`generator.pipeline.build`:

``load`` -> ``execute`` -> ``documents`` -> ``lists`` -> ``files`` -> ``postbuild`` -> swap in.

Each stage is a function ``run(state)`` over the one :class:`generator.state.BuildState`.
"""
