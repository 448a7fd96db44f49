"""The manager console (管理后台): server-rendered pages served by the hall server at /manage/."""
