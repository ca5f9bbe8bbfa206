"""A small crafted music API whose data flow is known by construction (playlists, tracks, player, uploads)."""

from __future__ import annotations

import json


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict, status: str = "200") -> dict:
    return {status: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


MUSIC_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Tune API", "version": "1.0"},
    "servers": [{"url": "https://api.tune.example/v1"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Playlist": {"type": "object", "required": ["name"], "properties": {
                "id": {"type": "string", "readOnly": True, "description": "The playlist ID."},
                "name": {"type": "string"}, "public": {"type": "boolean"},
                "uri": {"type": "string", "readOnly": True},
                "created_at": {"type": "string", "format": "date-time", "readOnly": True}}},
            "Track": {"type": "object", "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "uri": {"type": "string", "description": "The track URI, e.g. tune:track:abc."}}},
            "User": {"type": "object", "properties": {"id": {"type": "string"}, "display_name": {"type": "string"}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/me": {"get": {"operationId": "getMe", "summary": "Get the current user's profile",
                        "responses": _ok(_ref("User"))}},
        "/me/playlists": {"get": {"operationId": "listMyPlaylists", "summary": "List the current user's playlists",
                                  "responses": _ok({"type": "object", "properties": {
                                      "items": {"type": "array", "items": _ref("Playlist")}}})}},
        "/users/{user_id}/playlists": {"post": {
            "operationId": "createPlaylist", "summary": "Create a playlist for a user",
            "parameters": [{"name": "user_id", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "The user's ID."}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Playlist")}}},
            "responses": _ok(_ref("Playlist"), "201")}},
        "/search": {"get": {
            "operationId": "search", "summary": "Search for tracks by keyword",
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                           {"name": "type", "in": "query", "required": True,
                            "schema": {"type": "string", "enum": ["track", "album"]}}],
            "responses": _ok({"type": "object", "properties": {"tracks": {"type": "object", "properties": {
                "items": {"type": "array", "items": _ref("Track")}}}}})}},
        "/playlists/{playlist_id}/tracks": {
            "post": {"operationId": "addTracks", "summary": "Add tracks to a playlist",
                     "parameters": [{"name": "playlist_id", "in": "path", "required": True,
                                     "schema": {"type": "string"}, "description": "The playlist ID."}],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["uris"], "properties": {
                             "uris": {"type": "array", "items": {"type": "string"},
                                      "description": "The track URIs to add."},
                             "position": {"type": "integer", "minimum": 0}}}}}},
                     "responses": _ok({"type": "object", "properties": {"snapshot_id": {"type": "string"}}}, "201")},
            "delete": {"operationId": "removeTracks", "summary": "Remove tracks from a playlist",
                       "parameters": [{"name": "playlist_id", "in": "path", "required": True,
                                       "schema": {"type": "string"}}],
                       "requestBody": {"required": True, "content": {"application/json": {"schema": {
                           "type": "object", "required": ["uris"], "properties": {
                               "uris": {"type": "array", "items": {"type": "string"},
                                        "description": "The track URIs to remove."}}}}}},
                       "responses": _ok({"type": "object", "properties": {"snapshot_id": {"type": "string"}}})}},
        "/me/player/next": {"post": {"operationId": "skipNext", "summary": "Skip to the next track in the player",
                                     "responses": {"204": {"description": "Skipped"}}}},
        "/me/player/volume": {"put": {
            "operationId": "setVolume", "summary": "Set the playback volume of the player",
            "parameters": [{"name": "volume_percent", "in": "query", "required": True,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 100}}],
            "responses": {"204": {"description": "Volume set"}}}},
        "/uploads": {"post": {
            "operationId": "uploadCover", "summary": "Upload a cover image file",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file", "purpose"], "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "purpose": {"type": "string", "enum": ["cover", "avatar"]}}}}}},
            "responses": _ok({"type": "object", "properties": {"id": {"type": "string"}}})}},
    },
}


def music_spec_bytes() -> bytes:
    """Return the spec as the JSON file a user would upload."""
    return json.dumps(MUSIC_SPEC).encode()
