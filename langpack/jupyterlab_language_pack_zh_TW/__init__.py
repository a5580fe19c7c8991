# The course's build of the JupyterLab zh-TW language pack: data only (locale/zh_TW/LC_MESSAGES).
__version__ = "4.5.post3+netmarketing.1"
