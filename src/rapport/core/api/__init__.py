"""What every app's REST router shares: schemas, list pages and error answers. It lives
below the apps so that no app imports `rapport.api` (which mounts the routers)."""
