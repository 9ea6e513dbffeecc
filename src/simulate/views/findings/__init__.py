"""The findings pipeline: papermill runs the notebooks from params/findings.yaml into findings/.

``pipeline`` (``simulate findings``: runs, atomic output, the index), ``config``
(the YAML configuration and its validation) and ``report`` (index, notebook
tidying, byte-for-byte comparison with committed outputs).
"""
