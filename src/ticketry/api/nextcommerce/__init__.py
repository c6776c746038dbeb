"""The Next Commerce face: the admin API's support tickets at /api/admin/, with OAuth2."""
