package dev.hostel.gateway;

/** A site's memory ceilings cannot fit in the instance's budget: refused at add time (the admin API's 507). */
public final class SiteDoesNotFitException extends RuntimeException {
    public SiteDoesNotFitException(String message) {
        super(message, null, false, false);
    }
}
