"""Search backends above index/'s ranking core: OpenSearch as a first stage (opensearch.py).

index/ never imports this package: a backend is handed to SearchIndex at the edge (app/).
"""
