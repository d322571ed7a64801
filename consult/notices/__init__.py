"""Printed notices (公示): a vote's result, a place's list of projects, a topic's progress."""

from consult.notices.pages import projects_notice, topic_notice, vote_notice

route_handlers = [vote_notice, projects_notice, topic_notice]
