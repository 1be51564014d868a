"""Search backends above index/'s ranking core: the engine choice, and OpenSearch.

engines.py opens a SearchIndex on the embedded postings or on an OpenSearch first stage
(opensearch.py, its requests built in opensearch_query.py). index/ never imports this
package: the choice is made at the edge (app/).
"""

from .engines import open_search_index, opensearch_loader

__all__ = ["open_search_index", "opensearch_loader"]
