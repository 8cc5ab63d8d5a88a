app_name = "livechat"
urlpatterns: list = []
