"""`{% livechat_strings %}`: the widget's localized texts as a JSON data block (CSP-safe)."""

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _

register = template.Library()


def widget_strings() -> dict:
    return {
        "title": _("Chat with us"),
        "close": _("Close chat"),
        "intro": _("Ask your question. We first look for an answer in our help articles."),
        "name": _("Your name"),
        "email": _("Your e-mail"),
        "question": _("Your question"),
        "send": _("Send"),
        "next": _("Continue"),
        "suggestions": _("These articles may answer your question:"),
        "no_suggestions": _("We found no article for this. An agent will help you."),
        "solved": _("This solved it"),
        "need_agent": _("I still need an agent"),
        "deflected": _("Glad it helped! You can open the chat again at any time."),
        "queued": _("You are number {position} in the queue."),
        "eta": _("Estimated wait: about {minutes} min."),
        "waiting": _("Waiting for an agent…"),
        "with_agent": _("You are chatting with {name}."),
        "typing": _("{name} is typing…"),
        "agent": _("Agent"),
        "you": _("You"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "read": _("Read"),
        "failed": _("Not sent — retrying"),
        "message_label": _("Message"),
        "end": _("End chat"),
        "end_confirm": _("End this chat?"),
        "ended": _("The chat has ended."),
        "rate": _("How satisfied are you with this chat?"),
        "rate_1": _("Very dissatisfied"),
        "rate_2": _("Dissatisfied"),
        "rate_3": _("Neutral"),
        "rate_4": _("Satisfied"),
        "rate_5": _("Very satisfied"),
        "comment": _("Comment (optional)"),
        "submit_rating": _("Send rating"),
        "thanks": _("Thank you for your feedback."),
        "new_chat": _("Start a new chat"),
        "closed": _("Live chat is closed now."),
        "opens_at": _("Chat opens again at {time} WIB."),
        "busy": _("All our agents are busy right now."),
        "hotline": _("Toll-free hotline: {number}"),
        "leave_message": _("Leave us a message and we will reply by e-mail."),
        "message_sent": _("Thank you. Your report number is {reference}. We will reply by e-mail."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "connected": _("Connected"),
        "error": _("Something went wrong. Please try again."),
        "too_long": _("At most {n} characters."),
    }


@register.simple_tag
def livechat_strings():
    return json_script(widget_strings(), "livechat-strings")
