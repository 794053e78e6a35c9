"""Discussions: one threaded conversation per host object (a community, later a case or a library item).

The host decides who may read, write and moderate through a policy registered in `registry.py`;
this app only keeps the posts, renders their text safely, stores attachments and tells mentioned
people. See `registry.py` for how a host attaches a discussion.
"""
