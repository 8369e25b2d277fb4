"""
The JSON API (Django REST framework, described by drf-spectacular at /api/openapi.json).

- `GET /api/stories/`: live stories, with the readers' filters (articles.filters),
  search, ordering and pages; `GET /api/stories/<slug>/`: one story with its
  related coverage, cluster, topics and provider. ETags and Last-Modified
  come from Article.objects.freshness(), so a client asks again cheaply.
- `POST /api/stories/import/`: an importer's token sends fixture text, or
  its JSON equivalent, through the admin upload's own import.

Only what a reader may see leaves the API: the serializers list their fields.
"""
