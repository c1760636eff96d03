"""The benchmark harness: published reference problems (`reference`), scaled instances (`generator`), each
run in a fresh process per stage and solver (`runner`), and its results, charts and targets (`report`)."""
