"""The findings pipeline: papermill runs the notebooks from params/findings.yaml into findings/.

``pipeline`` (``simulate findings``: runs, atomic output, the index), ``execute`` (papermill
in worker processes, fail fast, nothing left running), ``config``
(the YAML configuration and its validation) and ``report`` (index, notebook
tidying, byte-for-byte comparison with committed outputs).
"""
