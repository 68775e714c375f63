"""The reporter's follow-up pages: the thread, replies and outcome, from reports and actions."""
