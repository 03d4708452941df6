"""The `tickerlake` command (`main`), its page parser (`parse`), SQL shell (`sqlshell`),
HTML report (`report`), table output (`output`) and progress bars (`progress`)."""
