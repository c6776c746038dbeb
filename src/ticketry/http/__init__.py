"""HTTP pieces shared by every face and the web pages, naming no vendor."""
