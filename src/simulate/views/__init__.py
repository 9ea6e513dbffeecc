"""Views: what people read — seaborn figures, the planners' dashboard, the findings pipeline.

``plots`` (figures from tidy tables), ``dashboard/`` (ipywidgets ScenarioExplorer:
``app``, ``controls``, ``view``, ``i18n``), ``findings/`` (papermill → findings/:
``pipeline``, ``config``, ``report``). The last stage: may import any stage before it.
"""
