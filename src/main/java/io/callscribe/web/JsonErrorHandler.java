package io.callscribe.web;

import io.callscribe.event.EventJson;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Errors Jetty raises before Javalin sees a request (ambiguous or malformed paths) come out as JSON, like ours. */
final class JsonErrorHandler extends ErrorHandler {

    JsonErrorHandler() {
        setShowStacks(false);
        setShowServlet(false);
    }

    /** Requests Jetty refuses while parsing (bad URI encodings, ambiguous paths) never reach a servlet. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        String text = reason == null || reason.isBlank() ? "bad request" : reason;
        return BufferUtil.toBuffer(EventJson.MAPPER.createObjectNode().put("error", text).toString(), StandardCharsets.UTF_8);
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
                                              int code, String message) throws IOException {
        String text = message == null || message.isBlank() ? "HTTP " + code : message;
        byte[] body = EventJson.MAPPER.createObjectNode().put("error", text).toString().getBytes(StandardCharsets.UTF_8);
        response.setContentType("application/json; charset=utf-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        baseRequest.setHandled(true);
    }
}
