"""The friend sources page (流入経路) and its JSON API."""
